package input

import (
	"encoding/binary"
	"unicode/utf16"
	"unicode/utf8"
)

// fromUTF16 decodes a UTF-16 file (Windows tools save JSON that way, and
// PowerShell pipes it) to UTF-8: one with a byte order mark, or one whose
// first characters are ASCII with a zero byte beside each. ok is false for
// anything else, returned as it is.
func fromUTF16(b []byte) (out []byte, order string, ok bool) {
	var bo binary.ByteOrder
	switch {
	case len(b) >= 2 && b[0] == 0xFF && b[1] == 0xFE:
		bo, order, b = binary.LittleEndian, "UTF-16LE", b[2:]
	case len(b) >= 2 && b[0] == 0xFE && b[1] == 0xFF:
		bo, order, b = binary.BigEndian, "UTF-16BE", b[2:]
	case len(b) >= 4 && b[0] != 0 && b[1] == 0 && b[2] != 0 && b[3] == 0 && b[0] < 0x80:
		bo, order = binary.LittleEndian, "UTF-16LE"
	case len(b) >= 4 && b[0] == 0 && b[1] != 0 && b[2] == 0 && b[3] != 0 && b[1] < 0x80:
		bo, order = binary.BigEndian, "UTF-16BE"
	default:
		return nil, "", false
	}
	units := make([]uint16, len(b)/2)
	for i := range units {
		units[i] = bo.Uint16(b[2*i:])
	}
	out = make([]byte, 0, len(b)/2)
	for _, r := range utf16.Decode(units) {
		out = utf8.AppendRune(out, r)
	}
	return out, order, true
}
