"""Documents: files a tenant uploads or issues, their versions, links, recognition and verification."""
