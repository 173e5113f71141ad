"""The few APR functions whose exact behaviour shows through httpd's configuration handling."""
