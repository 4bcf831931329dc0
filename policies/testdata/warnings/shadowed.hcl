# Rules an earlier rule makes unreachable.
sandbox "shadowed" {
  extends = "python"

  network {
    connect = ["10.0.0.0/8:443"]
  }

  rule "work" {
    paths  = ["/work/**"]
    action = "allow"
  }

  rule "secret" {
    paths  = ["/work/secret*"]
    action = "deny"
  }

  rule "no-net" {
    class  = "network"
    action = "deny"
  }

  rule "no-internal" {
    addresses = ["10.1.0.0/16"]
    ports     = [443]
    action    = "deny"
  }

  rule "reads" {
    paths  = ["/data/**"]
    access = ["read"]
    action = "deny"
  }

  rule "read-list" {
    paths  = ["/data/x"]
    access = ["read", "list"]
    action = "deny"
  }

  rule "read-only" {
    paths  = ["/data/y"]
    access = ["read"]
    action = "allow"
  }
}
