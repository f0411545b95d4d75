package cli

// ScanUlong is djb's scan_ulong as runit uses it for numbers in argv,
// SVWAIT and svlogd's config: the leading decimal digits of s as an
// unsigned long, wrapping on overflow as C does. It returns how many bytes
// it used (0: none, and the value is 0) and the value.
func ScanUlong[S ~string | ~[]byte](s S) (int, uint64) {
	var v uint64
	i := 0
	for i < len(s) && s[i]-'0' < 10 {
		v = v*10 + uint64(s[i]-'0')
		i++
	}
	return i, v
}
