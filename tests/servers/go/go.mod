module mtls-scan/testservers

go 1.19
