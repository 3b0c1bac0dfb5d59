"""Runtime of the shared-sms custom resources (the function's code, not the CDK library)."""
