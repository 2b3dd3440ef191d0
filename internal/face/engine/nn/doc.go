// Package nn is the small, pure-Go inference kernel behind the face engine: a
// single-image HWC float32 tensor, the TF.js weights-manifest reader (with its
// uint8 de-quantisation) and the handful of layers the two face networks use.
//
// It must never allocate unbounded memory from its inputs: every shape it
// computes with comes from the embedded model files, never from a request, and
// a malformed manifest is an error, not a panic.
package nn
