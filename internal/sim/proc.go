package sim

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// ProcSample is a process's CPU time and memory at one moment, read from
// /proc (Linux).
type ProcSample struct {
	At     time.Time
	CPU    time.Duration // user + system
	RSSKiB int64
	HWMKiB int64 // peak RSS
}

// clockTick is USER_HZ, the unit of /proc/<pid>/stat times (100 on Linux).
const clockTick = 100

// SampleProc reads /proc/<pid>/stat and /proc/<pid>/status.
func SampleProc(pid int) (ProcSample, error) {
	s := ProcSample{At: time.Now()}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	// The command name may hold spaces; fields start after its ')'.
	i := strings.LastIndexByte(string(stat), ')')
	if i < 0 {
		return s, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return s, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64) // field 14 of the whole line
	stime, _ := strconv.ParseInt(f[12], 10, 64) // field 15
	s.CPU = time.Duration(utime+stime) * time.Second / clockTick
	st, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	defer st.Close()
	sc := bufio.NewScanner(st)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			s.RSSKiB = n
		case "VmHWM":
			s.HWMKiB = n
		}
	}
	return s, sc.Err()
}

// CPUPercent is the CPU the process used between a and b, in percent of
// one core.
func CPUPercent(a, b ProcSample) float64 {
	return float64(b.CPU-a.CPU) / float64(b.At.Sub(a.At)) * 100
}
