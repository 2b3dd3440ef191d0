// app/live.js: asks the API for a camera channel's live links and plays
// them in a <video> (core/player.js). Returns {how, note, stop}.
import { api } from "../core/api.js";
import { play } from "../core/player.js";

// NotStreaming is thrown when the camera sends no video right now.
export class NotStreaming extends Error {}

export async function startLive(cam, video, opts) {
  const links = await api.post(`/api/v1/accounts/${cam.account.id}/devices/${cam.device.id}/channels/${cam.channel}/live`);
  if (links.streaming === false) throw new NotStreaming("the camera is not sending video right now");
  return play(video, links, opts);
}

export function liveVideo(id, { controls = false } = {}) {
  const v = document.createElement("video");
  if (id) v.id = id;
  v.autoplay = true;
  v.muted = true; // browsers autoplay muted only; the controls unmute
  v.playsInline = true;
  v.controls = controls;
  return v;
}
