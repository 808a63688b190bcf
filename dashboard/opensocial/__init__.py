"""OpenSocial and iGoogle gadgets: spec parsing and spec URLs (spec.py), and the features a spec may ask for, one
folder each (features.py, features/<name>/)."""
