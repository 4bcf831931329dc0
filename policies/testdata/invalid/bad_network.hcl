sandbox "s" {
  network {
    connect = [
      "example..com:443",
      "10.0.0.1/8:443",
      "1.2.3.4",
      "1.2.3.4:99999",
      "10.0.0.300:80",
      "-api.example:80",
      "api_v2.example.internal:443",
    ]
  }

  rule "r" {
    addresses = ["10.0.0.0/33", "example.com"]
    ports     = [0, 443.5]
    action    = "deny"
  }
}
