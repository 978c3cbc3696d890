"""The web app: server-rendered pages and a JSON API over the archive library.

``create_app(config)`` (in ``archiver.web.app``) builds the FastAPI application;
``archiver serve`` runs it under uvicorn.
"""
