// placeholder: filled by the issue-6 work
