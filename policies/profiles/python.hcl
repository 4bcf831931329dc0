# python: the default profile.
#
# Runs one CPython or PyPy process with the interpreter's own files
# read-only, a private scratch /tmp, three devices, no network, no
# subprocesses and real time. Every other policy should start here:
#
#   sandbox "mine" {
#     extends = "python"
#     ...
#   }
#
# Anything this profile does not allow is denied with EACCES and logged.

sandbox "python" {
  description = "CPython or PyPy with its standard library, a scratch /tmp and no network."

  # Map the interpreter binary, its shared libraries and its standard
  # library read-only. Third-party packages in site-packages stay hidden
  # unless a policy sets site_packages = true.
  interpreter {
    discover      = true
    site_packages = false
  }

  # Budgets for one run. CPU time is user plus system time of the whole
  # guest; wall time counts from start to exit; memory is address space.
  limits {
    cpu        = "10s"
    wall       = "30s"
    memory     = "1GiB"
    output     = "16MiB" # stdout plus stderr
    processes  = 0       # no fork: the interpreter is the only process
    open_files = 256
    tasks      = 256     # threads and processes together
    file_size  = "64MiB" # largest file the guest may write
  }

  # A private, writable /tmp: empty at start, gone after the run.
  mount "/tmp" {
    type  = "scratch"
    quota = "64MiB"
    files = 4096
  }

  # POSIX shared memory and named semaphores (multiprocessing's locks and
  # queues use sem_open, which lives here). Private to the run, like /tmp.
  mount "/dev/shm" {
    type  = "scratch"
    quota = "16MiB"
    files = 256
  }

  # The devices Python's start-up and os.urandom use. /dev/random reads
  # from the same source as /dev/urandom, as it does on Linux today.
  mount "/dev/null" {
    type = "device"
  }
  mount "/dev/zero" {
    type = "device"
  }
  mount "/dev/urandom" {
    type = "device"
  }
  mount "/dev/random" {
    type   = "device"
    device = "urandom"
  }

  # The guest's whole environment: nothing is inherited from the host.
  # PYTHONUNBUFFERED is deliberately not set, so output is buffered exactly
  # as when Python writes to a pipe outside gaol.
  env {
    PATH                    = "/usr/local/bin:/usr/bin:/bin"
    LANG                    = "C.UTF-8"
    HOME                    = "/tmp"
    TMPDIR                  = "/tmp"
    PYTHONDONTWRITEBYTECODE = "1" # the standard library is read-only anyway
    MALLOC_ARENA_MAX        = "2" # glibc reserves 64 MiB of address space per arena; the memory budget counts it
  }

  time {
    mode = "real"
  }

  # Rules are checked in order, first match wins; anything no rule allows
  # is denied. Children's rules come before these.

  # The filesystem is the mounts above: a path outside them does not exist,
  # and a read-only mount refuses writes, whatever a rule says. So file
  # operations are allowed here and the mounts do the confining.
  rule "filesystem" {
    class  = "file"
    action = "allow"
  }

  # Unix sockets by path: a connect (or a datagram sent) to a socket that
  # a writable host mount shows. Like a file, the socket must be mounted,
  # and the connect is a write to it; abstract sockets stay unreachable.
  rule "unix-sockets" {
    operations = ["connect", "send"]
    paths      = ["/**"]
    access     = ["write"]
    action     = "allow"
  }

  # Clocks and sleeps, answered as the time block says.
  rule "clocks" {
    class  = "time"
    action = "allow"
  }

  # Threads share the interpreter's process; limits.processes counts
  # processes, not threads.
  rule "threads" {
    operations = ["thread"]
    action     = "allow"
  }
}
