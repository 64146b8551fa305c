"""Remote seams: clients of Mantis services over HTTP."""
