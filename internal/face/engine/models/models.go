// Package models embeds the face engine's model files, so a vigil binary built
// on a machine with only Go can recognise faces without fetching anything.
//
// The files are byte-for-byte copies of published releases (see README.md in
// the parent directory for each file's origin, version, checksum and licence);
// this package must never hold a file whose licence is not stated there.
package models

import _ "embed"

// FaceFinder is pigo v1.4.6's frontal-face cascade (MIT, Endre Simo; trained
// cascade format of N. Markus' pico).
//
//go:embed facefinder
var FaceFinder []byte

// RecognitionManifest and RecognitionWeights are the 128-d face descriptor
// network from @vladmandic/face-api 1.7.15 (MIT): dlib's ResNet
// (dlib_face_recognition_resnet_model_v1, released into the public domain by
// Davis King) converted to TF.js and quantised by face-api.js.
//
//go:embed face_recognition_model-weights_manifest.json
var RecognitionManifest []byte

//go:embed face_recognition_model.bin
var RecognitionWeights []byte

// LandmarkManifest and LandmarkWeights are face-api's tiny 68-point landmark
// network (MIT), from the same package.
//
//go:embed face_landmark_68_tiny_model-weights_manifest.json
var LandmarkManifest []byte

//go:embed face_landmark_68_tiny_model.bin
var LandmarkWeights []byte
