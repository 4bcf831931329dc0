# Every kind of loosening Warnings reports.
sandbox "loose" {
  extends = "python"

  limits {
    cpu        = "unlimited"
    memory     = "unlimited"
    processes  = 8
    open_files = "unlimited"
  }

  mount "/work" {
    type     = "host"
    host     = "../hostdir"
    writable = true
  }

  mount "/scratch" {
    type = "scratch"
  }

  network {
    connect = ["0.0.0.0/0:*", "localhost:8080", "api.example.internal:443"]
  }

  process {
    exec = ["/usr/bin/*"]
  }

  rule "everything" {
    action = "allow"
  }
}
