# The policy `make compat` runs CPython's test suite under: the default
# profile, with the budgets a test suite needs and the subprocesses it
# starts (CPython's tests run the interpreter itself to test isolation).
#
#   gaol run --policy tests/compat/compat.hcl --var python=/path/to/python3 -- ...

sandbox "compat" {
  extends = "python"

  limits {
    cpu    = "600s"
    wall   = "900s"
    memory = "4GiB"
    output = "256MiB"
    tasks  = 512
    # test_io's large-file tests write (sparsely) past 2 GiB; the scratch
    # quota still bounds what is stored.
    file_size = "4GiB"
  }

  process {
    max  = 16
    exec = [var.python, "${var.python}.*", "${var.python}-*"]
  }

  # A made-up user database: CPython's tests look users up (tarfile does
  # at import). Nothing of the host's /etc is exposed.
  mount "/etc/passwd" {
    type    = "file"
    content = "root:x:0:0:root:/root:/usr/sbin/nologin\ngaol:x:1000:1000:gaol sandbox:/tmp:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
  }
  mount "/etc/group" {
    type    = "file"
    content = "root:x:0:\ngaol:x:1000:\nnogroup:x:65534:\n"
  }

  # CPython's tests run servers and clients on loopback (test_logging's
  # socket handlers, test_os's sendfile): loopback only, nothing else.
  network {
    connect = ["localhost:*", "udp:localhost:*"]
  }
  rule "loopback-servers" {
    operations = ["bind", "listen", "accept"]
    addresses  = ["127.0.0.1/32", "::1/128"]
    action     = "allow"
  }

  mount "/etc/hosts" {
    type    = "file"
    content = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
  }
  mount "/etc/nsswitch.conf" {
    type    = "file"
    content = "passwd: files\ngroup: files\nhosts: files\n"
  }
}
