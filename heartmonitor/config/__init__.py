"""Reading httpd configuration files: the reader, the tree, the command table and its walker."""
