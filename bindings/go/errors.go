package polyscore

import "fmt"

// Status is the library's status code (ps_status) of a failed call.
type Status int32

// Status codes, as in polyscore/common.h.
const (
	StatusOK              Status = 0
	StatusInvalidArgument Status = 1  // a bad argument or option
	StatusInvalidHandle   Status = 2  // a model that was closed
	StatusIO              Status = 3  // the model file cannot be opened or read
	StatusParse           Status = 4  // corrupt, truncated or wrongly shaped model bytes
	StatusUnsupported     Status = 5  // a valid model polyscore cannot score
	StatusShape           Status = 6  // input of the wrong size
	StatusBufferTooSmall  Status = 7  // an output slice too short; nothing was written
	StatusOutOfMemory     Status = 8  // an allocation failed
	StatusABIVersion      Status = 9  // the library is older than this binding needs
	StatusInternal        Status = 10 // a bug in polyscore
)

var statusNames = [...]string{
	"PS_OK", "PS_ERR_INVALID_ARGUMENT", "PS_ERR_INVALID_HANDLE", "PS_ERR_IO",
	"PS_ERR_PARSE", "PS_ERR_UNSUPPORTED", "PS_ERR_SHAPE", "PS_ERR_BUFFER_TOO_SMALL",
	"PS_ERR_OUT_OF_MEMORY", "PS_ERR_ABI_VERSION", "PS_ERR_INTERNAL",
}

// String returns the C name of the status, e.g. "PS_ERR_PARSE".
func (s Status) String() string {
	if s >= 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("PS_ERR_UNKNOWN(%d)", int32(s))
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

// Sentinels for errors.Is; each matches every *Error with its code.
var (
	ErrInvalidArgument = newError(StatusInvalidArgument, "invalid argument")
	ErrInvalidHandle   = newError(StatusInvalidHandle, "invalid model handle")
	ErrIO              = newError(StatusIO, "I/O error")
	ErrParse           = newError(StatusParse, "corrupt model")
	ErrUnsupported     = newError(StatusUnsupported, "unsupported model")
	ErrShape           = newError(StatusShape, "wrong input shape")
	ErrBufferTooSmall  = newError(StatusBufferTooSmall, "output buffer too small")
	ErrOutOfMemory     = newError(StatusOutOfMemory, "out of memory")
	ErrABIVersion      = newError(StatusABIVersion, "library too old")
	ErrInternal        = newError(StatusInternal, "internal error")
)
