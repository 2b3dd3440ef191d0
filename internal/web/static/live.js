// vigil live view: plays a camera channel in a <video> over WebRTC (WHEP),
// or over the LL-HLS playlist where the browser plays HLS natively (Safari)
// and the stream cannot go over WebRTC. Every URL carries a short-lived stream
// token that the API issued after the access gate allowed the view.
"use strict";

(function () {
  // Waits until ICE candidates are gathered (vigil answers with all of its
  // own at once; no trickle).
  function gathered(pc) {
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => { if (pc.iceGatheringState === "complete") { pc.removeEventListener("icegatheringstatechange", done); resolve(); } };
      pc.addEventListener("icegatheringstatechange", done);
      setTimeout(resolve, 3000);
    });
  }

  async function whep(video, url) {
    const pc = new RTCPeerConnection();
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.addTransceiver("audio", { direction: "recvonly" });
    const stream = new MediaStream();
    pc.ontrack = (ev) => { stream.addTrack(ev.track); video.srcObject = stream; };
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/sdp" }, body: pc.localDescription.sdp, credentials: "same-origin" });
    const answer = await res.text();
    if (res.status !== 201) {
      pc.close();
      let msg = res.statusText;
      try { msg = JSON.parse(answer).error.message; } catch { /* not JSON */ }
      throw new Error(msg);
    }
    await pc.setRemoteDescription({ type: "answer", sdp: answer });
    const session = res.headers.get("Location");
    return {
      note: res.headers.get("X-Vigil-Audio") || "",
      stop() {
        pc.close();
        if (session) fetch(session, { method: "DELETE", credentials: "same-origin" }).catch(() => {});
      },
    };
  }

  // open starts a live view of a device channel inside container and
  // returns a function that stops it.
  async function open(accountID, deviceID, channel, container) {
    const res = await fetch(`/api/v1/accounts/${accountID}/devices/${deviceID}/channels/${channel}/live`, { method: "POST", credentials: "same-origin" });
    const data = await res.json();
    if (!res.ok) throw new Error((data.error && data.error.message) || res.statusText);
    const video = document.createElement("video");
    video.id = "live-video";
    video.autoplay = true;
    video.muted = true; // browsers only autoplay muted; the controls unmute
    video.playsInline = true;
    video.controls = true;
    const status = document.createElement("p");
    status.className = "muted";
    container.replaceChildren(video, status);
    let session = null;
    // WebRTC first: lowest latency, and sound from G.711 and Opus cameras.
    // Browsers with native HLS (Safari) fall back to it when the stream
    // cannot go over WebRTC (H.265).
    try {
      session = await whep(video, data.whep);
      status.textContent = "Live over WebRTC." + (session.note ? " No sound: " + session.note.replace(/^none: /, "") + "." : "");
    } catch (e) {
      if (!video.canPlayType("application/vnd.apple.mpegurl")) throw e;
      video.src = data.hls;
      status.textContent = "Live over HLS.";
    }
    return () => {
      if (session) session.stop();
      video.removeAttribute("src");
      video.srcObject = null;
      container.replaceChildren();
    };
  }

  window.vigilLive = { open };
})();
