using Diffusion.HealthProbe;

// Diffusion.HealthProbe --addr http://127.0.0.1:PORT [--service NAME] [--timeout SECONDS]
return await ProbeRunner.RunAsync(args, Console.Out, Console.Error);
