"""Chapter 7: predicting hourly bike rentals from the UCI Bike Sharing data set."""
