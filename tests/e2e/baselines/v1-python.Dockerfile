# The classic first Python Dockerfile (the "v1" dockgen replaces): the full image, a minor-only tag, the
# whole context, pip install as root, no init. Built without a .dockerignore.
ARG PYTHON=3.11
FROM python:${PYTHON}
WORKDIR /app
COPY . .
ARG INSTALL="-r requirements.txt"
RUN pip install ${INSTALL}
CMD ["python", "app.py"]
