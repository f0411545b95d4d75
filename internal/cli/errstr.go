package cli

import (
	"errors"
	"syscall"
)

// errText is runit's src/error_str.c for Linux, in its order: the first
// entry for an errno wins, so EAGAIN (== EWOULDBLOCK) reads "temporary
// failure" and never "input/output would block".
var errText = []struct {
	errno syscall.Errno
	text  string
}{
	{0, "no error"},
	{syscall.EINTR, "interrupted system call"},
	{syscall.ENOMEM, "out of memory"},
	{syscall.ENOENT, "file does not exist"},
	{syscall.ETXTBSY, "text busy"},
	{syscall.EIO, "input/output error"},
	{syscall.EEXIST, "file already exists"},
	{syscall.ETIMEDOUT, "timed out"},
	{syscall.EINPROGRESS, "operation in progress"},
	{syscall.EAGAIN, "temporary failure"},
	{syscall.EWOULDBLOCK, "input/output would block"},
	{syscall.EPIPE, "broken pipe"},
	{syscall.EPERM, "permission denied"},
	{syscall.EACCES, "access denied"},
	{syscall.ENXIO, "device not configured"},
	{syscall.EPROTO, "protocol error"},
	{syscall.EISDIR, "is a directory"},
	{syscall.ECONNREFUSED, "connection refused"},
	{syscall.ENOTDIR, "not a directory"},
	{syscall.ESRCH, "no such process"},
	{syscall.E2BIG, "argument list too long"},
	{syscall.ENOEXEC, "exec format error"},
	{syscall.EBADF, "file descriptor not open"},
	{syscall.ECHILD, "no child processes"},
	{syscall.EDEADLK, "operation would cause deadlock"},
	{syscall.EFAULT, "bad address"},
	{syscall.ENOTBLK, "not a block device"},
	{syscall.EBUSY, "device busy"},
	{syscall.EXDEV, "cross-device link"},
	{syscall.ENODEV, "device does not support operation"},
	{syscall.EINVAL, "invalid argument"},
	{syscall.ENFILE, "system cannot open more files"},
	{syscall.EMFILE, "process cannot open more files"},
	{syscall.ENOTTY, "not a tty"},
	{syscall.EFBIG, "file too big"},
	{syscall.ENOSPC, "out of disk space"},
	{syscall.ESPIPE, "unseekable descriptor"},
	{syscall.EROFS, "read-only file system"},
	{syscall.EMLINK, "too many links"},
	{syscall.EDOM, "input out of range"},
	{syscall.ERANGE, "output out of range"},
	{syscall.EALREADY, "operation already in progress"},
	{syscall.ENOTSOCK, "not a socket"},
	{syscall.EDESTADDRREQ, "destination address required"},
	{syscall.EMSGSIZE, "message too long"},
	{syscall.EPROTOTYPE, "incorrect protocol type"},
	{syscall.ENOPROTOOPT, "protocol not available"},
	{syscall.EPROTONOSUPPORT, "protocol not supported"},
	{syscall.ESOCKTNOSUPPORT, "socket type not supported"},
	{syscall.EOPNOTSUPP, "operation not supported"},
	{syscall.EPFNOSUPPORT, "protocol family not supported"},
	{syscall.EAFNOSUPPORT, "address family not supported"},
	{syscall.EADDRINUSE, "address already used"},
	{syscall.EADDRNOTAVAIL, "address not available"},
	{syscall.ENETDOWN, "network down"},
	{syscall.ENETUNREACH, "network unreachable"},
	{syscall.ENETRESET, "network reset"},
	{syscall.ECONNABORTED, "connection aborted"},
	{syscall.ECONNRESET, "connection reset"},
	{syscall.ENOBUFS, "out of buffer space"},
	{syscall.EISCONN, "already connected"},
	{syscall.ENOTCONN, "not connected"},
	{syscall.ESHUTDOWN, "socket shut down"},
	{syscall.ETOOMANYREFS, "too many references"},
	{syscall.ELOOP, "symbolic link loop"},
	{syscall.ENAMETOOLONG, "file name too long"},
	{syscall.EHOSTDOWN, "host down"},
	{syscall.EHOSTUNREACH, "host unreachable"},
	{syscall.ENOTEMPTY, "directory not empty"},
	{syscall.EUSERS, "too many users"},
	{syscall.EDQUOT, "disk quota exceeded"},
	{syscall.ESTALE, "stale NFS file handle"},
	{syscall.EREMOTE, "too many levels of remote in path"},
	{syscall.ENOLCK, "no locks available"},
	{syscall.ENOSYS, "system call not available"},
	{syscall.ENOSTR, "not a stream device"},
	{syscall.ETIME, "timer expired"},
	{syscall.ENOSR, "out of stream resources"},
	{syscall.ENOMSG, "no message of desired type"},
	{syscall.EBADMSG, "bad message type"},
	{syscall.EIDRM, "identifier removed"},
	{syscall.ENONET, "machine not on network"},
	{syscall.ENOLINK, "link severed"},
	{syscall.EADV, "advertise error"},
	{syscall.ESRMNT, "srmount error"},
	{syscall.ECOMM, "communication error"},
	{syscall.EMULTIHOP, "multihop attempted"},
	{syscall.EREMCHG, "remote address changed"},
}

// ErrnoText is runit's text for errno e ("unknown error" if unlisted).
func ErrnoText(e syscall.Errno) string {
	for _, x := range errText {
		if x.errno == e {
			return x.text
		}
	}
	return "unknown error"
}

// ErrStr is the reason runit would print for err: the text of the errno
// inside it, or, for an error that carries no errno, Go's own text
// (such errors have no runit equivalent).
func ErrStr(err error) string {
	if err == nil {
		return ErrnoText(0)
	}
	var e syscall.Errno
	if errors.As(err, &e) {
		return ErrnoText(e)
	}
	return err.Error()
}
