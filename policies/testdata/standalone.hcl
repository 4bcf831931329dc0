# A policy that extends nothing: it starts from an empty sandbox.
sandbox "standalone" {
  limits {
    cpu        = "1s"
    wall       = "2s"
    memory     = "64MiB"
    output     = "64KiB"
    open_files = 16
    file_size  = "1MiB"
  }

  mount "/work" {
    type = "dir"
    mode = "0555"
  }

  mount "/work/hello.py" {
    type    = "file"
    content = "print('hello')\n"
  }

  rule "read-work" {
    paths  = ["/work/**"]
    access = ["read", "list"]
    action = "allow"
  }
}
