package face

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"os/exec"
	"strconv"
	"strings"

	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/face/engine"
)

// Redactor hides everyone but one person in the pictures and video of a
// data-subject export (R7): every face found is blurred unless it matches
// the requester's selfie. The selfie's template exists only in this value,
// in memory, for one request; nothing of it is stored, so it is gone when
// the request's export is written. Without a selfie every face is blurred.
type Redactor struct {
	eng    *engine.Engine
	keep   *engine.Embedding
	ffmpeg string // "" when video cannot be redacted here
}

// ErrNoFFmpeg says why a video is withheld from an export.
var ErrNoFFmpeg = errs.E(errs.Unavailable, "ffmpeg is not installed on this server, so video cannot be redacted; it is withheld")

// NewRedactor returns a redactor keeping the face on selfie (nil: nobody).
// ffmpeg is the program that decodes and re-encodes video ("" looks it up
// on PATH; "none" disables video).
func (s *Service) NewRedactor(selfie []byte, ffmpeg string) (*Redactor, error) {
	eng, err := s.engine()
	if err != nil {
		return nil, err
	}
	r := &Redactor{eng: eng}
	switch ffmpeg {
	case "none":
	case "":
		if p, err := exec.LookPath("ffmpeg"); err == nil {
			r.ffmpeg = p
		}
	default:
		if p, err := exec.LookPath(ffmpeg); err == nil {
			r.ffmpeg = p
		}
	}
	if selfie == nil {
		return r, nil
	}
	m, err := eng.Decode(selfie)
	if err != nil {
		return nil, errs.E(errs.Invalid, "selfie: %v", err)
	}
	faces := eng.Detect(m)
	if len(faces) != 1 {
		return nil, errs.E(errs.Invalid, "the selfie must show exactly one face (found %d)", len(faces))
	}
	e := eng.Describe(m, faces[0])
	r.keep = &e
	return r, nil
}

// redactFrame blurs, in place, every face in m that is not the kept
// person's, and returns how many it blurred.
func (r *Redactor) redactFrame(m *engine.RGB) int {
	var boxes []image.Rectangle
	for _, f := range r.eng.Detect(m) {
		if r.keep != nil && engine.Matches(r.eng.Describe(m, f), *r.keep) {
			continue
		}
		boxes = append(boxes, f.Box)
	}
	engine.Blur(m, boxes)
	return len(boxes)
}

// RedactJPEG returns the picture with everyone but the kept person blurred;
// a picture with no one to blur is returned as it was.
func (r *Redactor) RedactJPEG(_ context.Context, data []byte) ([]byte, error) {
	m, err := r.eng.Decode(data)
	if err != nil {
		return nil, errs.E(errs.Invalid, "snapshot: %v", err)
	}
	if r.redactFrame(m) == 0 {
		return data, nil
	}
	var out bytes.Buffer
	if err := jpeg.Encode(&out, m.Image(), &jpeg.Options{Quality: 90}); err != nil {
		return nil, errs.Wrap(err, errs.Internal, "encode redacted snapshot")
	}
	return out.Bytes(), nil
}

// CanRedactVideo says whether ffmpeg is here to decode and re-encode video.
func (r *Redactor) CanRedactVideo() bool { return r.ffmpeg != "" }

// maxVideo bounds one clip handed to RedactVideo: it is held in memory,
// never written to disk in the clear.
const maxVideo = 512 << 20

// RedactVideo decodes src with ffmpeg, blurs every frame in Go, and writes
// an H.264 MP4 (fragmented, so it streams) to dst. Sound is dropped: voices
// of others are not blurred. Nothing touches the disk: ffmpeg reads and
// writes pipes. Without ffmpeg it returns ErrNoFFmpeg and the caller
// withholds the video with that reason.
func (r *Redactor) RedactVideo(ctx context.Context, src io.Reader, dst io.Writer) error {
	if r.ffmpeg == "" {
		return ErrNoFFmpeg
	}
	in, err := io.ReadAll(io.LimitReader(src, maxVideo+1))
	if err != nil {
		return err
	}
	if len(in) > maxVideo {
		return errs.E(errs.TooLarge, "a clip over %d bytes is not redacted here", maxVideo)
	}
	fps, err := r.frameRate(ctx, in)
	if err != nil {
		return err
	}
	dec := exec.CommandContext(ctx, r.ffmpeg, "-hide_banner", "-loglevel", "error", "-i", "pipe:0", "-an",
		"-f", "image2pipe", "-c:v", "ppm", "pipe:1")
	dec.Stdin = bytes.NewReader(in)
	frames, err := dec.StdoutPipe()
	if err != nil {
		return err
	}
	var decErr bytes.Buffer
	dec.Stderr = &decErr
	enc := exec.CommandContext(ctx, r.ffmpeg, "-hide_banner", "-loglevel", "error", "-f", "image2pipe", "-c:v", "ppm",
		"-framerate", fps, "-i", "pipe:0", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
		"-movflags", "frag_keyframe+empty_moov+default_base_moof", "-f", "mp4", "pipe:1")
	encIn, err := enc.StdinPipe()
	if err != nil {
		return err
	}
	var encErr bytes.Buffer
	enc.Stdout, enc.Stderr = dst, &encErr
	if err := dec.Start(); err != nil {
		return errs.Wrap(err, errs.Unavailable, "start ffmpeg")
	}
	if err := enc.Start(); err != nil {
		_ = dec.Process.Kill()
		_ = dec.Wait()
		return errs.Wrap(err, errs.Unavailable, "start ffmpeg")
	}
	perr := r.pump(bufio.NewReader(frames), encIn)
	encIn.Close()
	derr, eerr := dec.Wait(), enc.Wait()
	switch {
	case perr != nil:
		return perr
	case derr != nil:
		return errs.E(errs.Invalid, "video could not be decoded: %s", firstLine(decErr.String()))
	case eerr != nil:
		return errs.E(errs.Internal, "video could not be re-encoded: %s", firstLine(encErr.String()))
	}
	return nil
}

// pump reads PPM frames, redacts each and writes it on.
func (r *Redactor) pump(frames *bufio.Reader, out io.Writer) error {
	for {
		m, err := readPPM(frames)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		r.redactFrame(m)
		if _, err := fmt.Fprintf(out, "P6\n%d %d\n255\n", m.W, m.H); err != nil {
			return err
		}
		if _, err := out.Write(m.Pix); err != nil {
			return err
		}
	}
}

// readPPM reads one binary PPM (P6, maxval 255) frame.
func readPPM(br *bufio.Reader) (*engine.RGB, error) {
	var magic string
	var w, h, maxv int
	if _, err := fmt.Fscan(br, &magic); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, io.EOF
		}
		return nil, err
	}
	if magic != "P6" {
		return nil, errs.E(errs.Internal, "ffmpeg sent a frame that is not PPM")
	}
	if _, err := fmt.Fscan(br, &w, &h, &maxv); err != nil || maxv != 255 || w <= 0 || h <= 0 || w > 4096 || h > 4096 {
		return nil, errs.E(errs.Internal, "ffmpeg sent a bad PPM header")
	}
	if _, err := br.ReadByte(); err != nil { // the one whitespace before the pixels
		return nil, err
	}
	m := engine.NewRGB(w, h)
	if _, err := io.ReadFull(br, m.Pix); err != nil {
		return nil, err
	}
	return m, nil
}

// frameRate asks ffmpeg for the clip's frame rate (as ffprobe would, from
// the same pipe), defaulting to 25.
func (r *Redactor) frameRate(ctx context.Context, in []byte) (string, error) {
	cmd := exec.CommandContext(ctx, r.ffmpeg, "-hide_banner", "-i", "pipe:0")
	cmd.Stdin = bytes.NewReader(in)
	var out bytes.Buffer
	cmd.Stderr = &out
	_ = cmd.Run() // no output file: ffmpeg exits 1 after describing the input
	for _, line := range strings.Split(out.String(), "\n") {
		if !strings.Contains(line, "Video:") {
			continue
		}
		for _, part := range strings.Split(line, ",") {
			f := strings.Fields(part)
			if len(f) == 2 && (f[1] == "fps" || f[1] == "tbr") {
				if v, err := strconv.ParseFloat(f[0], 64); err == nil && v > 0 && v <= 240 {
					return f[0], nil
				}
			}
		}
		return "25", nil
	}
	return "", errs.E(errs.Invalid, "the clip holds no video ffmpeg can read")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
