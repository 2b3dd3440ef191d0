package datamap

import "errors"

// recordingFields are the stored fields of recorded video (media.segment):
// the index of the encrypted segments, the ranges and event marks the
// timeline shows, and the owner's recording settings. The video and sound
// themselves are blobs sealed under the account's key.
var recordingFields = []Field{
	{Name: "segment_account", Description: "the account a recorded segment belongs to", Column: "rec_segments.account_id"},
	{Name: "segment_device", Description: "the device that filmed it", Column: "rec_segments.device_id"},
	{Name: "segment_channel", Description: "the NVR channel, 0 for a camera", Column: "rec_segments.channel"},
	{Name: "segment_start", Description: "when the segment starts", Column: "rec_segments.start_us"},
	{Name: "segment_end", Description: "when it ends", Column: "rec_segments.end_us"},
	{Name: "segment_bytes", Description: "its size", Column: "rec_segments.bytes"},
	{Name: "segment_audio", Description: "whether it has sound", Column: "rec_segments.has_audio"},
	{Name: "segment_codecs", Description: "the video and audio codecs", Column: "rec_segments.codecs"},
	{Name: "segment_marked", Description: "whether an alarm happened around it (kept per the event retention)", Column: "rec_segments.marked"},
	{Name: "init_account", Description: "the account of a recording session's header", Column: "rec_inits.account_id"},
	{Name: "init_device", Description: "the device of a recording session", Column: "rec_inits.device_id"},
	{Name: "init_channel", Description: "the channel of a recording session", Column: "rec_inits.channel"},
	{Name: "init_session", Description: "the device's publishing session", Column: "rec_inits.session"},
	{Name: "init_at", Description: "when the recording session started", Column: "rec_inits.created_at"},
	{Name: "range_account", Description: "the account of a recorded time range", Column: "rec_ranges.account_id"},
	{Name: "range_device", Description: "the device of a recorded time range", Column: "rec_ranges.device_id"},
	{Name: "range_channel", Description: "the channel of a recorded time range", Column: "rec_ranges.channel"},
	{Name: "range_start", Description: "when a recorded time range starts", Column: "rec_ranges.start_us"},
	{Name: "range_end", Description: "when it ends", Column: "rec_ranges.end_us"},
	{Name: "range_audio", Description: "whether it has sound", Column: "rec_ranges.has_audio"},
	{Name: "range_dropped_before", Description: "how many segments were dropped just before it because storage fell behind", Column: "rec_ranges.dropped_before"},
	{Name: "mark_account", Description: "the account of an event mark on the timeline", Column: "rec_marks.account_id"},
	{Name: "mark_device", Description: "the device an alarm marked", Column: "rec_marks.device_id"},
	{Name: "mark_channel", Description: "the channel it marked", Column: "rec_marks.channel"},
	{Name: "mark_at", Description: "when the alarm happened", Column: "rec_marks.at_us"},
	{Name: "mark_kind", Description: "the alarm type (motion, person...)", Column: "rec_marks.kind"},
	{Name: "mark_ref", Description: "the alarm it refers to", Column: "rec_marks.ref"},
	{Name: "usage_account", Description: "the account whose recordings take space", Column: "rec_usage.account_id"},
	{Name: "usage_device", Description: "the device whose recordings take space", Column: "rec_usage.device_id"},
	{Name: "usage_bytes", Description: "how much space its recordings take", Column: "rec_usage.bytes"},
	{Name: "usage_segments", Description: "how many segments it has recorded", Column: "rec_usage.segments"},
	{Name: "settings_account", Description: "the account of recording settings", Column: "rec_settings.account_id"},
	{Name: "settings_device", Description: "the device the settings apply to (all when empty)", Column: "rec_settings.device_id"},
	{Name: "settings_channel", Description: "the channel they apply to (all when -1)", Column: "rec_settings.channel"},
	{Name: "recording_mode", Description: "continuous, on events only, or off", Column: "rec_settings.mode"},
	{Name: "retention", Description: "how long recordings are kept", Column: "rec_settings.retention_s"},
	{Name: "event_retention", Description: "how long recordings around alarms are kept", Column: "rec_settings.event_retention_s"},
	{Name: "quota", Description: "how much space recordings may take", Column: "rec_settings.quota_bytes"},
	{Name: "settings_by", Description: "who last changed the settings", Column: "rec_settings.updated_by"},
	{Name: "settings_at", Description: "when they were last changed", Column: "rec_settings.updated_at"},
}

func declareRecordings(r *Registry) error {
	return errors.Join(
		operational(r, "rec_segments", "row number, its session's header, its number in the session, write state, writing process, row time", "id", "init_id", "seq", "state", "writer", "created_at"),
		operational(r, "rec_inits", "row number, size, write state, writing process", "id", "bytes", "state", "writer"),
		operational(r, "rec_ranges", "row number, its session's header, last segment number", "id", "init_id", "last_seq"),
		operational(r, "rec_marks", "row number", "id"),
		operational(r, "rec_purges", "the purge log of recordings: which account and device, why, how many segments and bytes, the time span, the audit entry; no video", "id", "account_id", "device_id", "reason", "segments", "bytes", "from_us", "to_us", "audit_seq", "at"),
	)
}
