package svctl

import (
	"strconv"
	"unicode/utf8"
)

// appendJSON encodes the report as encoding/json's MarshalIndent(r, "",
// "  ") would, plus a newline. It is written out by hand because
// encoding/json would add to every tool's binary (the box is one file);
// json_test.go checks it against encoding/json.
func appendJSON(b []byte, r Report) []byte {
	b = append(b, "{\n  \"svdir\": "...)
	b = appendQuoted(b, r.SvDir)
	b = append(b, ",\n  \"services\": ["...)
	for i, e := range r.Services {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n    {\n      \"name\": "...)
		b = appendQuoted(b, e.Name)
		b = append(b, ",\n      \"dir\": "...)
		b = appendQuoted(b, e.Dir)
		b = append(b, ',')
		b = appendSide(b, "      ", e.Side)
		b = append(b, ",\n      \"log\": "...)
		if e.Log == nil {
			b = append(b, "null"...)
		} else {
			b = append(b, '{')
			b = appendSide(b, "        ", *e.Log)
			b = append(b, "\n      }"...)
		}
		b = append(b, "\n    }"...)
	}
	if len(r.Services) > 0 {
		b = append(b, "\n  "...)
	}
	return append(b, "]\n}\n"...)
}

// appendSide writes Side's fields, each on a new line at indent, separated
// by commas.
func appendSide(b []byte, indent string, s Side) []byte {
	first := true
	field := func(name string) {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '\n')
		b = append(b, indent...)
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, "\": "...)
	}
	field("runsv")
	b = strconv.AppendBool(b, s.Runsv)
	field("state")
	b = appendQuoted(b, s.State)
	field("pid")
	b = strconv.AppendInt(b, int64(s.PID), 10)
	field("seconds")
	b = strconv.AppendInt(b, s.Seconds, 10)
	field("want")
	b = appendQuoted(b, s.Want)
	field("paused")
	b = strconv.AppendBool(b, s.Paused)
	field("term")
	b = strconv.AppendBool(b, s.Term)
	field("normally_down")
	b = strconv.AppendBool(b, s.NormallyDown)
	if s.Error != "" {
		field("error")
		b = appendQuoted(b, s.Error)
	}
	return b
}

const hexDigits = "0123456789abcdef"

// appendQuoted appends s as a JSON string the way encoding/json writes it:
// <, > and & as \u003c..., control characters escaped, invalid UTF-8 as
// U+FFFD, U+2028 and U+2029 escaped.
func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c == '\b':
				b = append(b, '\\', 'b')
			case c == '\f':
				b = append(b, '\\', 'f')
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
