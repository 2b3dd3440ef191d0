// pipeline.mjs runs face-api 1.7.15 end to end — its own detector
// (SsdMobilenetv1), its full 68-point landmark net and its own alignment —
// on every test photo and writes pipeline.json: one descriptor per photo.
// Unlike golden.json, nothing here comes from the Go pipeline, so
// TestAgainstReferencePipeline checks vigil's detection and alignment, not
// just its networks.
//
// Run by hand from this directory after `npm install` (see ../../README.md):
//   mkdir -p png && for f in ../photos/*.jpg; do ffmpeg -y -i $f png/$(basename $f .jpg).png; done
//   node pipeline.mjs
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { PNG } from 'pngjs';

const require = createRequire(import.meta.url);
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
const tf = faceapi.tf;
await tf.setBackend('cpu');
await tf.ready();
const md = 'node_modules/@vladmandic/face-api/model';
await faceapi.nets.ssdMobilenetv1.loadFromDisk(md);
await faceapi.nets.faceLandmark68Net.loadFromDisk(md);
await faceapi.nets.faceRecognitionNet.loadFromDisk(md);
const faces = [];
for (const f of fs.readdirSync('png').filter((n) => n.endsWith('.png')).sort()) {
  const png = PNG.sync.read(fs.readFileSync(`png/${f}`));
  const rgb = new Int32Array(png.width * png.height * 3);
  for (let i = 0; i < png.width * png.height; i++) {
    rgb[3 * i] = png.data[4 * i];
    rgb[3 * i + 1] = png.data[4 * i + 1];
    rgb[3 * i + 2] = png.data[4 * i + 2];
  }
  const t = tf.tensor3d(rgb, [png.height, png.width, 3], 'int32');
  const r = await faceapi.detectSingleFace(t, new faceapi.SsdMobilenetv1Options({ minConfidence: 0.3 }))
    .withFaceLandmarks().withFaceDescriptor();
  t.dispose();
  faces.push({ name: f.slice(0, -4), descriptor: Array.from(r.descriptor, (x) => Math.round(x * 1e6) / 1e6) });
}
const generator = `testdata/golden/pipeline.mjs: @vladmandic/face-api ${faceapi.version} end to end on tfjs ${tf.version_core}, backend ${tf.getBackend()}`;
fs.writeFileSync('pipeline.json', `${JSON.stringify({ generator, faces }, null, 0)}\n`);
