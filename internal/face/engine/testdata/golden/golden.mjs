// golden.mjs computes the reference outputs that the Go face engine is held to.
//
// It runs face-api 1.7.15 (TF.js 4.22, CPU backend) on the inputs the Go
// pipeline cut from ../photos (inputs/*.landmark.png, 112×112, and
// inputs/*.chip.png, 150×150) with the same model files that vigil embeds
// (../../models), and writes golden.json: the 68 landmarks and the 128-d
// descriptor of each face.
//
// Run by hand, from this directory:
//   npm install --no-audit --no-fund
//   (cd ../../../../.. && go test ./internal/face/engine/ -run TestWriteGoldenInputs -args -update-golden-inputs)
//   node golden.mjs
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const require = createRequire(import.meta.url);
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
const tf = faceapi.tf;

const here = path.dirname(fileURLToPath(import.meta.url));
const modelDir = path.join(here, '..', '..', 'models');
const inputDir = path.join(here, 'inputs');

// loadNet feeds a net its weights straight from the manifest and binary, the
// files vigil embeds, so the reference and Go read identical numbers.
function loadNet(net, base) {
  const manifest = JSON.parse(fs.readFileSync(path.join(modelDir, `${base}-weights_manifest.json`), 'utf8'));
  const bin = fs.readFileSync(path.join(modelDir, `${base}.bin`));
  const specs = manifest.flatMap((g) => g.weights);
  const buf = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  net.loadFromWeightMap(tf.io.decodeWeights(buf, specs));
}

function readRGB(file) {
  const png = PNG.sync.read(fs.readFileSync(file));
  const rgb = new Int32Array(png.width * png.height * 3);
  for (let i = 0; i < png.width * png.height; i++) {
    rgb[3 * i] = png.data[4 * i];
    rgb[3 * i + 1] = png.data[4 * i + 1];
    rgb[3 * i + 2] = png.data[4 * i + 2];
  }
  return tf.tensor3d(rgb, [png.height, png.width, 3], 'int32');
}

await tf.setBackend('cpu');
await tf.ready();
const landmarkNet = new faceapi.FaceLandmark68TinyNet();
loadNet(landmarkNet, 'face_landmark_68_tiny_model');
const recognitionNet = new faceapi.FaceRecognitionNet();
loadNet(recognitionNet, 'face_recognition_model');

const names = fs.readdirSync(inputDir).filter((f) => f.endsWith('.chip.png')).map((f) => f.slice(0, -'.chip.png'.length)).sort();
const faces = [];
for (const name of names) {
  const crop = readRGB(path.join(inputDir, `${name}.landmark.png`));
  // The raw network output (x0, y0, x1, …) relative to the 112-px input.
  const lm = tf.tidy(() => landmarkNet.runNet(new faceapi.NetInput([crop])));
  const landmarks = Array.from(await lm.data());
  lm.dispose();
  const chip = readRGB(path.join(inputDir, `${name}.chip.png`));
  const descriptor = Array.from(await recognitionNet.computeFaceDescriptor(chip));
  crop.dispose();
  chip.dispose();
  faces.push({ name, landmarks, descriptor });
  console.log(name);
}
const out = {
  generator: `testdata/golden/golden.mjs: @vladmandic/face-api ${faceapi.version} on tfjs ${tf.version_core}, backend ${tf.getBackend()}`,
  faces,
};
fs.writeFileSync(path.join(here, 'golden.json'), `${JSON.stringify(out, null, 1)}\n`);
