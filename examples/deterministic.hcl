# Reproducible runs: the same program prints the same output every time.
#
#   gaol run --policy examples/deterministic.hcl -- python3 -c 'import time; print(time.time())'
#
# prints 1704067200.0 (plus one millisecond per earlier clock read) on
# every run. The clock is virtual: it starts at a fixed instant, advances
# one millisecond per read, and sleeps return at once, advancing it.
# String hashing is seeded, so set and dict order does not vary.

sandbox "deterministic" {
  extends       = "python"
  deterministic = true # gaol check warns about anything that breaks this

  time {
    mode  = "virtual"
    start = "2024-01-01T00:00:00Z"
    step  = "1ms"
  }

  env {
    PYTHONHASHSEED = "0"
  }

  # Unseeded randomness is the other source of difference: refuse the
  # random devices, so a program that needs them fails loudly. (Python's
  # random module seeds itself with getrandom(2), which needs no file;
  # seed it in the program.)
  unmount = ["/dev/urandom", "/dev/random"]
}
