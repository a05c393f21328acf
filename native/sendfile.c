/*
 * sendfile(2) for the extractor's large-file copy. Node has no way to copy a byte range
 * between two files inside the kernel: read()+write() moves every byte through user
 * memory twice, while sendfile() splices page-cache pages and copies once. The
 * extractor falls back to read()+write() when this addon is not built.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <node_api.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

static napi_value throw_errno(napi_env env, int err, const char *syscall) {
  napi_value code, message, error;
  const char *name = "EIO";
  switch (err) {
    case EINVAL: name = "EINVAL"; break;
    case ENOSYS: name = "ENOSYS"; break;
    case ENOSPC: name = "ENOSPC"; break;
    case EBADF: name = "EBADF"; break;
    case EFBIG: name = "EFBIG"; break;
    case EDQUOT: name = "EDQUOT"; break;
    case ENOMEM: name = "ENOMEM"; break;
    case EOVERFLOW: name = "EOVERFLOW"; break;
  }
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  char text[160];
  snprintf(text, sizeof text, "%s: %s", syscall, strerror(err));
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &error);
  napi_throw(env, error);
  return NULL;
}

static int get_int64(napi_env env, napi_value value, int64_t *out) {
  double d;
  if (napi_get_value_double(env, value, &d) != napi_ok || d < 0 || d > 9007199254740991.0) return 0;
  *out = (int64_t)d;
  return 1;
}

/* copyRange(outFd, outPosition, inFd, inPosition, length) -> bytes copied (short only at end of input) */
static napi_value copy_range(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int64_t out_fd, out_pos, in_fd, in_pos, length;
  if (argc != 5 || !get_int64(env, argv[0], &out_fd) || !get_int64(env, argv[1], &out_pos) || !get_int64(env, argv[2], &in_fd) ||
      !get_int64(env, argv[3], &in_pos) || !get_int64(env, argv[4], &length)) {
    napi_throw_type_error(env, "EINVAL", "copyRange(outFd, outPosition, inFd, inPosition, length): non-negative integers expected");
    return NULL;
  }
  /* sendfile writes at the output's file offset; the extractor otherwise uses pwrite, which leaves it alone. */
  if (lseek((int)out_fd, (off_t)out_pos, SEEK_SET) < 0) return throw_errno(env, errno, "lseek");
  off_t offset = (off_t)in_pos;
  int64_t done = 0;
  while (done < length) {
    ssize_t n = sendfile((int)out_fd, (int)in_fd, &offset, (size_t)(length - done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return throw_errno(env, errno, "sendfile");
    }
    if (n == 0) break;
    done += n;
  }
  napi_value result;
  napi_create_double(env, (double)done, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "copyRange", NAPI_AUTO_LENGTH, copy_range, NULL, &fn);
  napi_set_named_property(env, exports, "copyRange", fn);
  return exports;
}
