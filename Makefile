# The two commands of the README. Everything else lives in scripts/ and CMake.
.PHONY: demo test

test:
	./scripts/test.sh

demo:
	./scripts/demo.sh
