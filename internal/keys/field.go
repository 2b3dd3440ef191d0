package keys

import (
	"log/slog"

	"github.com/vigil-cloud/vigil/internal/errs"
)

// FieldAD is the associated data that binds a sealed database field to its
// column ("table.column") and row, so that a ciphertext copied to another
// row or column does not open. Every capability seals fields with it, so a
// field sealed by one opens in another (an export reads what the account
// capability sealed).
func FieldAD(column, rowID string) []byte { return []byte(column + "|" + rowID) }

// FieldText turns the result of opening a sealed field into text. A field
// whose key was destroyed reads as "[erased]"; any other failure is a fault,
// logged without the field, and reads as "[unreadable]".
func FieldText(log *slog.Logger, b []byte, err error, column string) string {
	switch {
	case err == nil:
		return string(b)
	case errs.Is(err, errs.Gone):
		return "[erased]"
	}
	log.Error("sealed field does not open", "column", column, "code", errs.CodeOf(err))
	return "[unreadable]"
}
