package datamap

import "errors"

// Categories of camera media and biometric data. They are declared before
// the capabilities that store them so that the access gate guards them from
// the start: vendor staff never see them without a customer's grant. Those
// capabilities add their stored fields here.
const (
	MediaSegment  CategoryID = "media.segment"
	MediaSnapshot CategoryID = "media.snapshot"
)

func declareMedia(r *Registry) error {
	return errors.Join(
		r.Register(Category{
			ID:          MediaSegment,
			Title:       "Recorded and live video and audio",
			Description: "What your cameras and NVR channels film and hear, live and recorded, encrypted under your account's key.",
			Fields: append([]Field{
				{Name: "video", Description: "video frames", Encrypted: true},
				{Name: "audio", Description: "sound, where the camera records it", Encrypted: true},
			}, recordingFields...),
			Purposes:    []Purpose{PurposeAlarms, PurposeSync},
			Basis:       BasisContract,
			Retention:   Retention{Period: 30 * day, From: "recording, or less as you set; recordings around an alarm up to 90 days"},
			Export:      ExportMedia,
			Erasure:     EraseCryptoShred,
			Sensitivity: Media,
		}),
		r.Register(Category{
			ID:          MediaSnapshot,
			Title:       "Alarm snapshots",
			Description: "Still pictures your cameras take when an alarm goes off.",
			Fields: []Field{
				{Name: "image", Description: "the picture", Encrypted: true},
			},
			Purposes:    []Purpose{PurposeAlarms, PurposeSync},
			Basis:       BasisContract,
			Retention:   Retention{Period: 30 * day, From: "capture"},
			Export:      ExportMedia,
			Erasure:     EraseCryptoShred,
			Sensitivity: Media,
		}),
	)
}
