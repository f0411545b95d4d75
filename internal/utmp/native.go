package utmp

import (
	"encoding/binary"
	"runtime"
	"unsafe"
)

// Native is the layout of the machine gorunit was built for.
var Native = For(runtime.GOARCH)

// For returns the layout glibc uses on goarch: Compat32 on amd64, 386 and
// arm (armhf), Native64 on arm64 and the other 64-bit ports, in the
// machine's byte order.
func For(goarch string) Layout {
	var l Layout
	switch goarch {
	case "amd64", "386", "arm":
		l = Compat32
	case "arm64", "riscv64", "loong64", "ppc64le", "mips64le":
		l = Native64
	default:
		// Not shipped; best guess from the word size.
		if unsafe.Sizeof(uintptr(0)) == 8 {
			l = Native64
		} else {
			l = Compat32
		}
	}
	if goarch == runtime.GOARCH {
		l.Order = binary.NativeEndian
	}
	return l
}
