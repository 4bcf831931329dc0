# A policy that mounts one of the interpreter's own directories itself:
# the interpreter's files there are already shown, so the run needs no
# mounts of its own inside it.
sandbox "interpreter-dir" {
  extends = "python"

  mount "/usr/lib/x86_64-linux-gnu" {
    type = "host"
    host = "/usr/lib/x86_64-linux-gnu"
  }
}
