package engine

// MatchThreshold is the cosine similarity at and above which two embeddings
// are taken to be the same person.
//
// dlib trained its network so that one person's descriptors lie within 0.6 of
// each other (Euclidean, raw); raw descriptors here have a length of about
// 1.5, where 0.6 corresponds to a cosine of about 0.92. On the committed photo
// set the same-person pair scores 0.95 and the closest different people 0.92,
// so the threshold sits between them, on the cautious side: in vigil a false
// match names the wrong person, a missed match only reports "unknown".
const MatchThreshold = 0.935

// Matches says whether two embeddings are of the same person.
func Matches(a, b Embedding) bool { return Similarity(a, b) >= MatchThreshold }
