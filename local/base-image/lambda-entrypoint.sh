#!/bin/sh
# As in the Lambda images: under Lambda (AWS_LAMBDA_RUNTIME_API set) run the bootstrap, otherwise
# the Runtime Interface Emulator when the image has one.
if [ $# -ne 1 ]; then
  echo "entrypoint requires the handler name to be the first argument" 1>&2
  exit 142
fi
export _HANDLER="$1"
RUNTIME_ENTRYPOINT=/var/runtime/bootstrap
if [ -z "${AWS_LAMBDA_RUNTIME_API:-}" ] && [ -x /usr/local/bin/aws-lambda-rie ]; then
  exec /usr/local/bin/aws-lambda-rie $RUNTIME_ENTRYPOINT
fi
exec $RUNTIME_ENTRYPOINT
