// core/qr.js: a QR code as an SVG element built through the DOM (one path
// of unit squares), from the vendored uqr encoder.
import { encode } from "/vendor/uqr-0.1.2/index.mjs";
import { svg } from "./dom.js";

// qr returns an <svg> of text's QR code, labelled for assistive technology.
export function qr(text, label, { px = 200 } = {}) {
  const { size, data } = encode(text, { ecc: "M", border: 2 });
  let d = "";
  data.forEach((row, y) => row.forEach((on, x) => { if (on) d += `M${x} ${y}h1v1h-1z`; }));
  return svg("svg", { viewBox: `0 0 ${size} ${size}`, width: px, height: px, role: "img", "aria-label": label, class: "qr", "shape-rendering": "crispEdges" },
    svg("rect", { width: size, height: size, fill: "#fff" }), svg("path", { d, fill: "#000" }));
}
