// placeholder: filled by the issue-5 work
