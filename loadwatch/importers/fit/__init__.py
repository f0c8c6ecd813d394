"""FIT files: the reader, the reference decoder (fitparse, fitdecode), the fast
numpy path, the FIT profile and the device clock."""
