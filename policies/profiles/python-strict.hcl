# python-strict: python with nothing writable and the smallest budgets.
#
# For short, pure computations: no /tmp (tempfile and anything else that
# writes files fails), two seconds of CPU, a quarter of a gigabyte of
# memory and a megabyte of output.

sandbox "python-strict" {
  extends     = "python"
  description = "python without /tmp and with the smallest budgets."

  # Remove the scratch /tmp that python mounts.
  unmount = ["/tmp", "/dev/shm"]

  limits {
    cpu        = "2s"
    wall       = "5s"
    memory     = "256MiB"
    output     = "1MiB"
    open_files = 64
    tasks      = 16
    file_size  = "1MiB"
  }

  env {
    TMPDIR = null           # there is no /tmp to point at
    HOME   = "/nonexistent" # the customary home of a user with none
  }
}
