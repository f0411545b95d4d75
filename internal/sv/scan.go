package sv

// scanUlong is runit's scan_ulong: the leading decimal digits of s as an
// unsigned long (wrapping like C), 0 when there are none.
func scanUlong(s string) uint64 {
	var u uint64
	for i := 0; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		u = u*10 + uint64(s[i]-'0')
	}
	return u
}
