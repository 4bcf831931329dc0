# A client of internal HTTPS services, and of nothing else.
#
#   gaol run --policy examples/network.hcl --var api=10.1.2.3 -- python3 client.py
#
# The guest may connect to port 443 anywhere in 10.0.0.0/8, and to the
# local test server on 8080, except the cloud metadata address, which is
# refused even though it is in the allowed range.

sandbox "api-client" {
  extends = "python"

  network {
    connect = [
      "10.0.0.0/8:443",
      "localhost:8080",
      format("%s:8443", try(var.api, "10.0.0.1")),
    ]
  }

  # Rules are checked before the network block's allowances, so a rule
  # can carve an exception out of them.
  rule "no-metadata" {
    class     = "network"
    addresses = ["169.254.169.254", "10.0.0.254"]
    action    = "deny"
    errno     = "ENETUNREACH"
  }

  limits {
    wall = "2m" # network calls wait; CPU stays at python's 10s
  }
}
