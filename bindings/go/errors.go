package polyscore

import "fmt"

// Status is the library's status code (ps_status) of a failed call.
type Status int32

// String returns the C name of the status, e.g. "PS_ERR_PARSE".
func (s Status) String() string { return nameOf(statusNames, s, "PS_ERR_UNKNOWN(%d)") }

// nameOf returns the name of value in names (from constants_gen.go), or unknown
// formatted with the number for a value the header of this binding did not have.
func nameOf[T ~int32](names map[T]string, value T, unknown string) string {
	if name, ok := names[value]; ok {
		return name
	}
	return fmt.Sprintf(unknown, int32(value))
}

// Error is the error every function of this package returns: the library's status
// code and message (or, for checks made in Go before calling the library, a
// message saying what was wrong). Compare the kind with errors.Is against the
// Err* sentinels, or get the details with errors.As:
//
//	if errors.Is(err, polyscore.ErrShape) { ... }
//	var pe *polyscore.Error
//	if errors.As(err, &pe) { log.Print(pe.Code, pe.Message) }
type Error struct {
	Code    Status
	Message string
	// Offset is the byte in the model file where loading failed, or -1.
	Offset int64
}

func newError(code Status, message string) *Error {
	return &Error{Code: code, Message: message, Offset: -1}
}

func (e *Error) Error() string {
	return "polyscore: " + e.Code.String() + ": " + e.Message
}

// Is reports whether target is an *Error with the same Code, so that
// errors.Is(err, ErrParse) holds for every parse error whatever its message.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// The Status constants, their names and the Err* sentinels are in constants_gen.go,
// generated from the C header.
