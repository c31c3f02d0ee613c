module mtls-scan/impostor-client

go 1.19
