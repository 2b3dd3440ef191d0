// app/words.js: vigil's codes in words people use.

export const regionOptions = [["EU", "European Union"], ["UK", "United Kingdom"], ["US", "United States"], ["US-CA", "California (US)"],
  ["CN", "China"], ["JP", "Japan"], ["BR", "Brazil"], ["IN", "India"], ["OTHER", "Somewhere else"]];

const alarmTypes = { motion: "Motion", person: "Person", vehicle: "Vehicle", sound: "Sound", line_crossing: "Line crossed",
  intrusion: "Intrusion", tamper: "Camera tampered", video_loss: "Picture lost", doorbell: "Doorbell", face: "Face", face_unknown: "Unknown face", face_match: "Recognised face", offline: "Camera offline" };
export const alarmType = (t) => alarmTypes[t] || (t || "").replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());

const actions = { read: "looked at", list: "listed", create: "created", update: "changed", delete: "deleted", export: "exported",
  authenticate: "signed in", stream: "watched" };
export const action = (a) => actions[a] || a;

const actors = { user: "a person of your household", self: "you", staff: "vigil staff", system: "vigil itself", device: "a device", processor: "a service provider", anonymous: "someone not signed in" };
export const actor = (kind, role) => (actors[kind] || kind) + (role ? " (" + role.replace(/_/g, " ") + ")" : "");

const roles = { owner: "Owner", admin: "Administrator", member: "Member", viewer: "Viewer", guest: "Guest" };
export const role = (r) => roles[r] || r;
