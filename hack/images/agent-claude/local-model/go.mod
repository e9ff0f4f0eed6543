module taskrun.local/local-model

go 1.19
