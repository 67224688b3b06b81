"""Values the tests share: the registered site's origin and one it doesn't own."""
SITE_ORIGIN = "https://news.example.org"
OTHER_ORIGIN = "https://elsewhere.example.com"
