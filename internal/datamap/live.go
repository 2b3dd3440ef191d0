package datamap

import "errors"

// DeviceStreamSource is the RTSP address of a camera on a customer's LAN
// that vigil pulls live video from.
const DeviceStreamSource CategoryID = "device.stream_source"

func declareLive(r *Registry) error {
	return errors.Join(
		r.Register(Category{
			ID:          DeviceStreamSource,
			Title:       "Camera stream addresses",
			Description: "For cameras on your network that vigil fetches video from: the RTSP address of each channel, which may include the camera's user name and password; sealed under your account's key.",
			Fields: []Field{
				{Name: "url", Description: "the camera's RTSP address", Column: "live_pull_sources.url_sealed", Correctable: true, Encrypted: true},
				{Name: "device", Description: "the device channel it feeds", Column: "live_pull_sources.device_id"},
				{Name: "account", Description: "the account of the device", Column: "live_pull_sources.account_id"},
				{Name: "set_by", Description: "who set the address", Column: "live_pull_sources.set_by"},
			},
			Purposes:  []Purpose{PurposeAlarms},
			Basis:     BasisContract,
			Retention: Retention{Period: 30 * day, From: "address removed, device released or account closed"},
			Export:    ExportJSON,
			Erasure:   EraseCryptoShred,
		}),
		operational(r, "live_pull_sources", "which channel and when: no personal data", "channel", "updated_at"),
	)
}
