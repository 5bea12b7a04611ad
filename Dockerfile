FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# The static files, hashed and compressed, belong to the image: every container started from it
# (web above all) serves them. Building needs no database or secrets.
RUN STATIC_MANIFEST=true python manage.py collectstatic --no-input
RUN useradd --create-home app && chown -R app /app
USER app
EXPOSE 8000
