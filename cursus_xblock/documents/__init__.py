"""Documents: invitations and certificates, from administrators' templates to PDF and calendar files."""
