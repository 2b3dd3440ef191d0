// core/player.js: plays a live stream in a <video>. WebRTC (WHEP) first:
// lowest latency, and sound from G.711 and Opus cameras. When WebRTC cannot
// carry the stream (H.265, a blocked UDP path) it falls back to LL-HLS:
// natively where the browser plays HLS (Safari), else through the vendored
// hls.js (loaded only then). URLs carry the short-lived stream token the
// API issued after the access gate allowed the view.

// Waits until ICE candidates are gathered (vigil answers with all of its
// own at once; no trickle).
function gathered(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => { if (pc.iceGatheringState === "complete") { pc.removeEventListener("icegatheringstatechange", done); resolve(); } };
    pc.addEventListener("icegatheringstatechange", done);
    setTimeout(resolve, 3000);
  });
}

async function whep(video, url) {
  const pc = new RTCPeerConnection();
  pc.addTransceiver("video", { direction: "recvonly" });
  pc.addTransceiver("audio", { direction: "recvonly" });
  const stream = new MediaStream();
  pc.ontrack = (ev) => { stream.addTrack(ev.track); video.srcObject = stream; };
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/sdp" }, body: pc.localDescription.sdp, credentials: "same-origin" });
  const answer = await res.text();
  if (res.status !== 201) {
    pc.close();
    let msg = res.statusText;
    try { msg = JSON.parse(answer).error.message; } catch { /* not JSON */ }
    throw new Error(msg);
  }
  await pc.setRemoteDescription({ type: "answer", sdp: answer });
  const session = res.headers.get("Location");
  return {
    how: "WebRTC",
    note: res.headers.get("X-Vigil-Audio") || "",
    // The session is ended first, then the connection: closed the other
    // way round, the server may drop the session before the DELETE arrives.
    stop() {
      const end = session ? fetch(session, { method: "DELETE", credentials: "same-origin" }).catch(() => {}) : Promise.resolve();
      end.finally(() => pc.close());
    },
  };
}

async function hls(video, url) {
  if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = url;
    return { how: "HLS", note: "", stop() { video.removeAttribute("src"); video.load(); } };
  }
  const { default: Hls } = await import("/vendor/hls.js-1.7.4/hls.light.min.mjs");
  if (!Hls.isSupported()) throw new Error("this browser can play neither WebRTC nor HLS");
  // No worker: hls.js would start it from a blob: URL, which the CSP forbids.
  const player = new Hls({ enableWorker: false, lowLatencyMode: true, debug: false });
  player.loadSource(url);
  player.attachMedia(video);
  return { how: "LL-HLS", note: "", stop() { player.destroy(); } };
}

// play starts links {whep, hls} in video and returns {how, note, stop}.
// prefer "hls" skips WebRTC (a grid of many tiles may choose so).
export async function play(video, links, { prefer } = {}) {
  if (prefer !== "hls" && links.whep && "RTCPeerConnection" in window) {
    try { return await whep(video, links.whep); } catch (e) { if (!links.hls) throw e; }
  }
  return hls(video, links.hls);
}

// playRecorded plays a recorded stream {mp4, hls}: the MP4 where the API
// gave one (it seeks by HTTP range), else the HLS VOD playlist (natively or
// through hls.js). Returns a stop function.
export async function playRecorded(video, stream) {
  if (stream.mp4 || video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = stream.mp4 || stream.hls;
    return () => { video.removeAttribute("src"); video.load(); };
  }
  const { default: Hls } = await import("/vendor/hls.js-1.7.4/hls.light.min.mjs");
  const player = new Hls({ enableWorker: false });
  player.loadSource(stream.hls);
  player.attachMedia(video);
  return () => player.destroy();
}
